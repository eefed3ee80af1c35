#pragma once
/// 3-vectors and 3×3 matrices are Eigen's fixed-size types.
#include <Eigen/Core>
#include <Eigen/Geometry>

namespace orthotrack {
using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;
}  // namespace orthotrack
