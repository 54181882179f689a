// StringPool: append-only arena for the short names the model keeps in memory.
//
// Views it returns stay valid until clear() or destruction (blocks never move).
// Space of replaced names is reclaimed only by clear(), i.e. on a reload.
// Not thread-safe.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

namespace dirctl {

class StringPool {
 public:
  std::string_view intern(std::string_view s) {
    if (s.empty()) return {};
    if (blocks_.empty() || used_ + s.size() > block_size(blocks_.size() - 1)) {
      std::size_t size = std::max(kBlock, s.size());
      blocks_.push_back({std::make_unique<char[]>(size), size});
      used_ = 0;
    }
    char* dst = blocks_.back().data.get() + used_;
    std::copy(s.begin(), s.end(), dst);
    used_ += s.size();
    return {dst, s.size()};
  }
  void clear() {
    blocks_.clear();
    used_ = 0;
  }
  std::size_t capacity_bytes() const {
    std::size_t n = 0;
    for (const auto& b : blocks_) n += b.size;
    return n;
  }

 private:
  static constexpr std::size_t kBlock = 1 << 16;
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size;
  };
  std::size_t block_size(std::size_t i) const { return blocks_[i].size; }
  std::vector<Block> blocks_;
  std::size_t used_ = 0;
};

}  // namespace dirctl
