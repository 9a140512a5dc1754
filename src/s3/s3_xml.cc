// S3's XML documents read and written with pugixml (see s3_xml.h).
#include "hotbackup/s3/s3_xml.h"

#include <pugixml.hpp>

#include <cstring>
#include <sstream>

namespace hotbackup {
namespace {

// The element's name without an "s3:" style prefix.
std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element && LocalName(child) == name) return child;
  }
  return {};
}

bool Parse(std::string_view xml, pugi::xml_document* doc) {
  return doc->load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
}

// The document's root element.
pugi::xml_node Root(const pugi::xml_document& doc) {
  for (pugi::xml_node child : doc.children()) {
    if (child.type() == pugi::node_element) return child;
  }
  return {};
}

}  // namespace

bool ParseS3Error(std::string_view xml, S3Error* error) {
  pugi::xml_document doc;
  if (!Parse(xml, &doc)) return false;
  pugi::xml_node root = Root(doc);
  if (!root || LocalName(root) != "Error") return false;
  error->code = Child(root, "Code").text().as_string();
  error->message = Child(root, "Message").text().as_string();
  return true;
}

Status ParseUploadId(std::string_view xml, std::string* upload_id) {
  pugi::xml_document doc;
  if (Parse(xml, &doc)) {
    pugi::xml_node root = Root(doc);
    if (root && LocalName(root) == "InitiateMultipartUploadResult") {
      *upload_id = Child(root, "UploadId").text().as_string();
      if (!upload_id->empty()) return Status::OK();
    }
  }
  return Status::Remote("the answer to CreateMultipartUpload has no UploadId");
}

std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (const CompletedPart& part : parts) {
    pugi::xml_node node = root.append_child("Part");
    node.append_child("PartNumber").text().set(part.number);
    node.append_child("ETag").text().set(part.etag.c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

Status ParseCompleteMultipartUploadResult(std::string_view xml) {
  pugi::xml_document doc;
  if (!Parse(xml, &doc)) {
    return Status::Remote("the answer to CompleteMultipartUpload is not XML");
  }
  pugi::xml_node root = Root(doc);
  if (root && LocalName(root) == "CompleteMultipartUploadResult") return Status::OK();
  S3Error error;
  if (ParseS3Error(xml, &error)) {
    return Status::Remote("CompleteMultipartUpload failed: " + error.code +
                          (error.message.empty() ? "" : " (" + error.message + ")"));
  }
  return Status::Remote("unexpected answer to CompleteMultipartUpload");
}

}  // namespace hotbackup
