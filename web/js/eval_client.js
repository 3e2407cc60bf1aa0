// The page's side of the evaluation worker (eval_worker.js): starts it beside the training worker
// and connects the two with a MessageChannel. The training worker then hands it a weights snapshot
// instead of stopping to evaluate; the results come to the page as the training worker's 'eval'
// messages did. This uses the second core without cross-origin isolation (no shared memory).
// `?evalworker=0` in the page URL keeps evaluations in the training worker (to compare).

export function evalWorkerWanted(search = location.search) {
  return new URLSearchParams(search).get('evalworker') !== '0';
}

// trainingWorker: the started training worker; onMessage: the page's handler for its messages;
// startWorker(script): makes a Worker from a script path (with the page's fallbacks).
export async function attachEvalWorker(trainingWorker, onMessage, startWorker) {
  if (!evalWorkerWanted()) return null;
  const evalWorker = await startWorker('js/eval_worker.js');
  const channel = new MessageChannel();
  evalWorker.onmessage = onMessage;
  // If it dies, the training worker evaluates by itself again.
  evalWorker.onerror = (e) => {
    console.error(`evaluation worker: ${e.message || 'failed'}`);
    trainingWorker.postMessage({ type: 'eval-port', port: null });
  };
  trainingWorker.postMessage({ type: 'eval-port', port: channel.port1 }, [channel.port1]);
  evalWorker.postMessage({ type: 'init', base: new URL('.', document.baseURI).href, port: channel.port2 }, [channel.port2]);
  return evalWorker;
}
