// The MPI team (MPI_COMM_WORLD): the only file that includes mpi.h. Built only with
// ORTHOTRACK_WITH_MPI (CMake); team.cpp supplies the no-MPI stand-ins otherwise.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>
#include <string>
#include <vector>

#include "orthotrack/core/error.hpp"
#include "orthotrack/workflow/team.hpp"

namespace orthotrack::workflow::detail {
namespace {

/// Largest message of one MPI call (bytes): counts are `int`, so larger buffers go in pieces.
constexpr std::int64_t kChunk = 1 << 30;

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw IoError(std::string("MPI ") + what + " failed: " + std::string(msg, static_cast<std::size_t>(len)), {"", "mpi", what});
}

/// Waits for a non-blocking request by polling with growing sleeps (0.1 ms to 20 ms): a rank waiting
/// for the others (rank 0 alone in geocode, analysis, report; a rank done with its share) leaves its
/// core to them instead of spinning in MPI's busy wait (which halves a 2-core machine's speed).
void wait(MPI_Request& req, const char* what) {
  auto pause = std::chrono::microseconds(100);
  for (;;) {
    int done = 0;
    check(MPI_Test(&req, &done, MPI_STATUS_IGNORE), what);
    if (done) return;
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
  }
}

class MpiTeam : public Team {
 public:
  MpiTeam() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &local_);
    MPI_Comm_free(&node);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int localSize() const override { return local_; }

  void broadcast(std::string& bytes, int root) override {
    std::int64_t n = static_cast<std::int64_t>(bytes.size());
    MPI_Request req;
    check(MPI_Ibcast(&n, 1, MPI_INT64_T, root, MPI_COMM_WORLD, &req), "broadcast");
    wait(req, "broadcast");
    bytes.resize(static_cast<std::size_t>(n));
    for (std::int64_t off = 0; off < n; off += kChunk) {
      check(MPI_Ibcast(bytes.data() + off, static_cast<int>(std::min(kChunk, n - off)), MPI_BYTE, root, MPI_COMM_WORLD, &req), "broadcast");
      wait(req, "broadcast");
    }
  }

  std::vector<std::string> gather(const std::string& bytes, int root) override {
    // Point to point, in pieces: results of a full-scene inversion can exceed what one int counts.
    std::vector<std::string> out;
    if (rank_ != root) {
      std::int64_t n = static_cast<std::int64_t>(bytes.size());
      MPI_Request req;
      check(MPI_Isend(&n, 1, MPI_INT64_T, root, kTag, MPI_COMM_WORLD, &req), "gather");
      wait(req, "gather");
      for (std::int64_t off = 0; off < n; off += kChunk) {
        check(MPI_Isend(bytes.data() + off, static_cast<int>(std::min(kChunk, n - off)), MPI_BYTE, root, kTag, MPI_COMM_WORLD, &req),
              "gather");
        wait(req, "gather");
      }
      return out;
    }
    out.resize(static_cast<std::size_t>(size_));
    for (int r = 0; r < size_; ++r) {
      if (r == root) {
        out[static_cast<std::size_t>(r)] = bytes;
        continue;
      }
      std::int64_t n = 0;
      MPI_Request req;
      check(MPI_Irecv(&n, 1, MPI_INT64_T, r, kTag, MPI_COMM_WORLD, &req), "gather");
      wait(req, "gather");
      std::string& s = out[static_cast<std::size_t>(r)];
      s.resize(static_cast<std::size_t>(n));
      for (std::int64_t off = 0; off < n; off += kChunk) {
        check(MPI_Irecv(s.data() + off, static_cast<int>(std::min(kChunk, n - off)), MPI_BYTE, r, kTag, MPI_COMM_WORLD, &req), "gather");
        wait(req, "gather");
      }
    }
    return out;
  }

  std::vector<std::string> allgather(const std::string& bytes) override {
    std::vector<std::string> all = gather(bytes, 0);
    // Root packs "<count> <len>... " then the bytes; everybody unpacks.
    std::string packed;
    if (rank_ == 0) {
      for (const auto& s : all) packed += std::to_string(s.size()) + " ";
      packed += "\n";
      for (const auto& s : all) packed += s;
    }
    broadcast(packed, 0);
    all.assign(static_cast<std::size_t>(size_), std::string());
    std::size_t pos = packed.find('\n') + 1, head = 0;
    for (auto& s : all) {
      const std::size_t sp = packed.find(' ', head);
      const auto len = static_cast<std::size_t>(std::stoull(packed.substr(head, sp - head)));
      head = sp + 1;
      s = packed.substr(pos, len);
      pos += len;
    }
    return all;
  }

  int allreduceMax(int value) override {
    int out = 0;
    MPI_Request req;
    check(MPI_Iallreduce(&value, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD, &req), "allreduce");
    wait(req, "allreduce");
    return out;
  }

 private:
  static constexpr int kTag = 7301;
  int rank_ = 0, size_ = 1, local_ = 1;
};

}  // namespace

Team* initMpiTeam(int& argc, char**& argv) {
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) {
    int provided = 0;
    // OpenMP threads never call MPI: only the main thread does.
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      throw IoError("MPI_Init failed (started by mpirun/srun, but MPI cannot start)", {"", "mpi", "init"});
  }
  static MpiTeam team;
  return &team;
}

void finalizeMpi(bool abort, int exitCode) {
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  if (!inited || finalized) return;
  if (abort) MPI_Abort(MPI_COMM_WORLD, exitCode);
  MPI_Finalize();
}

}  // namespace orthotrack::workflow::detail
