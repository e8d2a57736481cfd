#pragma once
// FFTW's planner is not thread safe, and aubio (tempo) plans with the same libfftw3f as MelSpectrogram,
// behind its own lock that knows nothing of ours. Before either plans, this switches FFTW's planner to
// its own internal lock (fftwf_make_planner_thread_safe), so every plan in the process is serialised.
namespace soundalike {

// Idempotent and cheap after the first call.
void make_fftw_planner_thread_safe();

}  // namespace soundalike
