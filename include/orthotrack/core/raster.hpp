#pragma once
/// In-memory rasters: Raster<T> owns row-major pixels; RasterView<T> is a non-owning window.
/// Index order is (row, col) = (azimuth line, range sample); sizes are length × width.
#include <algorithm>
#include <cassert>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "orthotrack/core/limits.hpp"

namespace orthotrack {

template <class T>
class RasterView {
 public:
  RasterView() = default;
  RasterView(T* data, std::int64_t length, std::int64_t width, std::int64_t stride)
      : data_(data), length_(length), width_(width), stride_(stride) {}
  RasterView(T* data, std::int64_t length, std::int64_t width) : RasterView(data, length, width, width) {}

  T& operator()(std::int64_t r, std::int64_t c) const {
    assert(r >= 0 && r < length_ && c >= 0 && c < width_);
    return data_[r * stride_ + c];
  }
  T* row(std::int64_t r) const { return data_ + r * stride_; }
  T* data() const { return data_; }
  std::int64_t length() const { return length_; }
  std::int64_t width() const { return width_; }
  std::int64_t stride() const { return stride_; }
  bool empty() const { return length_ == 0 || width_ == 0; }
  /// Window starting at (r0, c0), clipped to nothing beyond the view (caller keeps it inside).
  RasterView window(std::int64_t r0, std::int64_t c0, std::int64_t len, std::int64_t wid) const {
    assert(r0 >= 0 && c0 >= 0 && r0 + len <= length_ && c0 + wid <= width_);
    return RasterView(data_ + r0 * stride_ + c0, len, wid, stride_);
  }
  operator RasterView<const T>() const { return RasterView<const T>(data_, length_, width_, stride_); }

 private:
  T* data_ = nullptr;
  std::int64_t length_ = 0, width_ = 0, stride_ = 0;
};

template <class T>
class Raster {
 public:
  Raster() = default;
  /// InvalidInput (limits::checkRasterShape) for a negative or absurd size, before allocating.
  Raster(std::int64_t length, std::int64_t width, T fill = T{})
      : length_(length), width_(width), data_(checkedCount(length, width), fill) {}

  T& operator()(std::int64_t r, std::int64_t c) {
    assert(r >= 0 && r < length_ && c >= 0 && c < width_);
    return data_[static_cast<std::size_t>(r * width_ + c)];
  }
  const T& operator()(std::int64_t r, std::int64_t c) const {
    assert(r >= 0 && r < length_ && c >= 0 && c < width_);
    return data_[static_cast<std::size_t>(r * width_ + c)];
  }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  T* row(std::int64_t r) { return data_.data() + r * width_; }
  const T* row(std::int64_t r) const { return data_.data() + r * width_; }
  std::int64_t length() const { return length_; }
  std::int64_t width() const { return width_; }
  std::size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  std::vector<T>& vector() { return data_; }
  const std::vector<T>& vector() const { return data_; }
  void fill(T v) { std::fill(data_.begin(), data_.end(), v); }
  void resize(std::int64_t length, std::int64_t width, T fill = T{}) {
    const std::size_t n = checkedCount(length, width);
    length_ = length; width_ = width; data_.assign(n, fill);
  }

  RasterView<T> view() { return {data_.data(), length_, width_, width_}; }
  RasterView<const T> view() const { return {data_.data(), length_, width_, width_}; }
  RasterView<const T> cview() const { return view(); }

 private:
  static std::size_t checkedCount(std::int64_t length, std::int64_t width) {
    limits::checkRasterShape(length, width, {"", "raster size", ""});
    return static_cast<std::size_t>(length * width);
  }
  std::int64_t length_ = 0, width_ = 0;
  std::vector<T> data_;
};

using cfloat = std::complex<float>;

}  // namespace orthotrack
