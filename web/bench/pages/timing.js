// Timing loops shared by the three bench pages; each page hands in its own library's call.

/** Mean ms per call over n calls, one pending login at a time (storage cleared after each call, untimed). */
export async function perCallEach(call, n) {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await call();
    sum += performance.now() - t;
    localStorage.clear();
    sessionStorage.clear();
  }
  return sum / n;
}

/** Mean ms per call over n calls back to back: n pending logins pile up, as abandoned logins do for their TTL. */
export async function perCallBatch(call, n) {
  const t = performance.now();
  for (let i = 0; i < n; i++) await call();
  return (performance.now() - t) / n;
}

/** ms that call takes. */
export async function timed(call) {
  const t = performance.now();
  await call();
  return performance.now() - t;
}
