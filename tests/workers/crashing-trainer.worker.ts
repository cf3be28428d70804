/**
 * The real trainer worker, plus one way to crash it for tests/workers/trainer-pool.browser.test.ts:
 * the message "crash" makes it throw an uncaught error, as a worker that fails mid-trial would.
 */
import '../../src/workers/trainer.worker.ts';

self.addEventListener('message', (event: MessageEvent) => {
  if (event.data === 'crash') {
    setTimeout(() => {
      throw new Error('the test crashed this trainer worker');
    });
  }
});
