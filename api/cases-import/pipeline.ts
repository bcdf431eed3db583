// A two-stage pipeline on one event loop: CPU work here overlaps database work there.

/**
 * Runs the producer ahead of the consumer by at most two chunks (CPU here, the database there). A failing
 * consumer stops the producer (`cancel`) and is rethrown; so is a failing producer.
 */
export async function pipelined<C>(
  produce: (push: (c: C) => Promise<void>) => Promise<void>, consume: (c: C) => Promise<void>, cancel: () => void,
): Promise<void> {
  const queue: C[] = [];
  let done = false;
  let cancelled = false;
  let failure: { err: unknown } | null = null;
  const wake: { consumer?: () => void; producer?: () => void } = {};
  const push = async (c: C) => {
    while (queue.length >= 2 && !cancelled) await new Promise<void>((r) => (wake.producer = r));
    if (cancelled) throw new Error('import cancelled');
    queue.push(c);
    wake.consumer?.();
  };
  const producer = produce(push).then(
    () => void (done = true),
    (err) => {
      if (!cancelled) failure = { err };
      done = true;
    },
  ).finally(() => wake.consumer?.());
  try {
    for (;;) {
      if (queue.length) {
        const c = queue.shift()!;
        wake.producer?.();
        await consume(c);
      } else if (done) break;
      else await new Promise<void>((r) => (wake.consumer = r));
    }
  } catch (err) {
    cancelled = true;
    wake.producer?.();
    cancel();
    await producer;
    throw err;
  }
  await producer;
  if (failure) throw (failure as { err: unknown }).err;
}
