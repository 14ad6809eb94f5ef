#include "proto_io.h"

#include <string>

namespace obs::wire::internal {
namespace {
constexpr int kMaxGroupDepth = 32;
}  // namespace

bool ProtoReader::Fail(std::string_view what, std::size_t offset, std::string_view problem) {
  if (status_->ok()) {
    std::string m(what);
    m.append(": ").append(problem).append(" at byte ").append(std::to_string(offset));
    *status_ = InvalidArgumentError(std::move(m));
  }
  return false;
}

bool ProtoReader::Want(const ProtoField& f, WireType want, std::string_view what) {
  if (f.type == want) {
    return true;
  }
  return Fail(what, f.offset,
              "field " + std::to_string(f.number) + " has wire type " +
                  std::to_string(static_cast<int>(f.type)) + ", want " +
                  std::to_string(static_cast<int>(want)));
}

bool ProtoReader::ReadVarint(std::uint64_t& v) {
  v = 0;
  for (unsigned i = 0; i < kMaxVarintBytes; ++i) {
    if (pos_ >= data_.size()) {
      return Fail("protobuf", base_ + pos_, "truncated varint");
    }
    const std::uint64_t b = static_cast<unsigned char>(data_[pos_++]);
    if (i == kMaxVarintBytes - 1 && b > 1) {
      return Fail("protobuf", base_ + pos_ - 1, "varint overflows 64 bits");
    }
    v |= (b & 0x7FU) << (7 * i);
    if (b < 0x80) {
      return true;
    }
  }
  return false;
}

bool ProtoReader::Next(ProtoField& f) {
  if (pos_ >= data_.size() || !status_->ok()) {
    return false;
  }
  f.offset = base_ + pos_;
  std::uint64_t tag = 0;
  if (!ReadVarint(tag)) {
    return false;
  }
  if (tag > 0xFFFFFFFFU || (tag >> 3) == 0) {
    return Fail("protobuf", f.offset, "invalid field number");
  }
  f.number = static_cast<std::uint32_t>(tag >> 3);
  const std::uint64_t type = tag & 7U;
  switch (type) {
    case 0:
      f.type = WireType::kVarint;
      return ReadVarint(f.varint);
    case 1:
      f.type = WireType::kFixed64;
      if (data_.size() - pos_ < 8) {
        return Fail("protobuf", f.offset, "truncated fixed64");
      }
      f.varint = ReadFixed64(reinterpret_cast<const unsigned char*>(data_.data() + pos_));
      pos_ += 8;
      return true;
    case 2: {
      f.type = WireType::kLengthDelimited;
      std::uint64_t length = 0;
      if (!ReadVarint(length)) {
        return false;
      }
      if (length > data_.size() - pos_) {
        return Fail("protobuf", f.offset, "length " + std::to_string(length) + " overruns message");
      }
      f.bytes = data_.substr(pos_, static_cast<std::size_t>(length));
      pos_ += static_cast<std::size_t>(length);
      return true;
    }
    case 3:
      f.type = WireType::kStartGroup;
      return SkipGroup(f.number, 0);
    case 5: {
      f.type = WireType::kFixed32;
      if (data_.size() - pos_ < 4) {
        return Fail("protobuf", f.offset, "truncated fixed32");
      }
      std::uint32_t w = 0;
      for (int i = 0; i < 4; ++i) {
        w |= std::uint32_t{static_cast<unsigned char>(data_[pos_ + static_cast<std::size_t>(i)])}
             << (8 * i);
      }
      f.varint = w;
      pos_ += 4;
      return true;
    }
    default:
      return Fail("protobuf", f.offset, "invalid wire type " + std::to_string(type));
  }
}

bool ProtoReader::SkipGroup(std::uint32_t number, int depth) {
  if (depth > kMaxGroupDepth) {
    return Fail("protobuf", base_ + pos_, "groups nested too deeply");
  }
  while (true) {
    if (pos_ >= data_.size()) {
      return Fail("protobuf", base_ + pos_, "unterminated group");
    }
    const std::size_t at = base_ + pos_;
    std::uint64_t tag = 0;
    if (!ReadVarint(tag)) {
      return false;
    }
    const std::uint64_t type = tag & 7U;
    const std::uint64_t field = tag >> 3;
    if (field == 0 || field > 0x1FFFFFFFU) {
      return Fail("protobuf", at, "invalid field number");
    }
    std::uint64_t skip = 0;
    switch (type) {
      case 0:
        if (!ReadVarint(skip)) {
          return false;
        }
        break;
      case 1:
        skip = 8;
        break;
      case 2:
        if (!ReadVarint(skip)) {
          return false;
        }
        break;
      case 3:
        if (!SkipGroup(static_cast<std::uint32_t>(field), depth + 1)) {
          return false;
        }
        break;
      case 4:
        if (field != number) {
          return Fail("protobuf", at, "mismatched end group");
        }
        return true;
      case 5:
        skip = 4;
        break;
      default:
        return Fail("protobuf", at, "invalid wire type " + std::to_string(type));
    }
    if (type == 1 || type == 2 || type == 5) {
      if (skip > data_.size() - pos_) {
        return Fail("protobuf", at, "field overruns message");
      }
      pos_ += static_cast<std::size_t>(skip);
    }
  }
}

}  // namespace obs::wire::internal
