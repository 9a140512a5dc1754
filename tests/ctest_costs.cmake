# Read by ctest after the discovered tests (TEST_INCLUDE_FILES): a COST for
# the long tests, so that `ctest -j` starts them first instead of last (ctest
# runs tests in descending COST; without a cost file of an earlier run, as
# on CI's clean checkout, all cost 0 and the server tests, defined last,
# would end the run with one of the jobs idle). The costs are the tests'
# seconds in one Release run at -j2 on a loaded machine: only their order
# matters. A test not listed costs 0; a pattern that no longer matches
# changes nothing but the order. The first matching pattern wins.
set(_hotbackup_test_costs
  136 "^Binlog: a replica's backup with --slave_info"
  119 "^Extract: 100,000 files stay within"
   86 "^Server: the password from MYSQL_PWD"
   77 "^WDT: a sender in block mode"
   75 "^Binlog: backups under writers restore the recorded"
   65 "^Mixed engines: MyISAM, Aria and MyRocks tables"
   59 "^WDT: rounds that leave next to nothing"
   57 "^Server: tar and XBSTREAM, plain and zstd"
   54 "^Engine e2e: a sparse file over 8 GiB"
   53 "^WDT: a live server backed up in several resumed"
   49 "^S3: a backup rides out the gateway restarting"
   47 "^Definitions: past the limit of open files"
   46 "^Server: with rocksdb_use_direct_reads=ON"
   43 "^Incremental: an old backup restored and written"
   42 "^Incremental: full, then two incrementals"
   42 "^Server: a backup forced into several rounds"
   42 "^S3: a backup killed mid-upload"
   41 "^Server: a backup under concurrent inserts"
   40 "^S3: full and incremental backups under writers"
   37 "^Incremental: a base of another server"
   37 "^age: an encrypted backup under writers"
   36 "^WDT: ssh refused, wdt missing"
   31 "^Definitions: a backup of several rounds"
   29 "^S3: a backup into S3 and a restore from it"
   25 "^Server: over TCP with --host and --port"
   24 "^Binlog: without RELOAD"
   23 "^Server: an \\.frm changed during the backup"
   23 "^Binlog: a table created during the backup"
   22 "^Server: a reader that goes away"
   22 "^Server: hostile file names in the datadir"
   20 "^Server: SIGTERM mid-stream removes the checkpoint"
   20 "^S3: a gateway that hangs mid-upload"
)
foreach(_test IN LISTS hotbackup_tests_TESTS)
  set(_cost "")
  set(_pairs ${_hotbackup_test_costs})
  while(_pairs AND _cost STREQUAL "")
    list(POP_FRONT _pairs _c _pattern)
    if(_test MATCHES "${_pattern}")
      set(_cost ${_c})
    endif()
  endwhile()
  if(NOT _cost STREQUAL "")
    set_tests_properties("${_test}" PROPERTIES COST ${_cost})
  endif()
endforeach()
