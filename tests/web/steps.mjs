// The web tests' tiny runner: named steps that count passes and failures, one summary line, and an exit
// status CTest reads. A failing step is reported and the next one still runs.
let passed = 0, failed = 0;

export async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e.stack || e.message}`);
  }
}

export function expect(cond, message) { if (!cond) throw new Error(message); }

// Prints "N passed, M failed" and exits non-zero on any failure.
export function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
