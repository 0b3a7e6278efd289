// The one fake of the unload's object seam (unload/output.h ObjectSink): objects kept in
// memory, optionally failing to open or to take writes, to test error paths.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "unload/output.h"

namespace s3u::test {

using unload::ObjectSink;
using unload::OpenObject;

struct MemoryObjects {
  struct Object {
    std::string data;
    bool sealed = false;
    int writes = 0;
  };
  std::vector<Object> objects;
  int fail_open_at = 0;         // 1-based index whose open fails; 0: none
  size_t fail_write_after = 0;  // bytes accepted per object before writes fail; 0: never

  class Sink final : public ObjectSink {
   public:
    Sink(MemoryObjects& owner, size_t index) : owner_(owner), index_(index) {}
    Result<void> Write(std::string_view data) override {
      Object& o = owner_.objects[index_];
      if (o.sealed) return Fail(ErrorCode::kFailedPrecondition, "memory", "write after seal");
      if (owner_.fail_write_after > 0 && o.data.size() + data.size() > owner_.fail_write_after) {
        return Fail(ErrorCode::kUnavailable, "memory object", "disk on fire");
      }
      o.data.append(data);
      ++o.writes;
      return {};
    }
    Result<void> Seal() override {
      owner_.objects[index_].sealed = true;
      return {};
    }

   private:
    MemoryObjects& owner_;
    size_t index_;
  };

  OpenObject Opener() {
    return [this](int index) -> Result<std::unique_ptr<ObjectSink>> {
      if (index == fail_open_at) return Fail(ErrorCode::kPermissionDenied, "open", "no access");
      EXPECT_EQ(static_cast<size_t>(index), objects.size() + 1);
      objects.emplace_back();
      return std::make_unique<Sink>(*this, objects.size() - 1);
    };
  }
};

}  // namespace s3u::test
