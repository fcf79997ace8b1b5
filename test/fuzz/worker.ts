// Worker-thread entry of the fuzz runner: runs the cases it is given and posts the summary;
// posts each case number first, so a case that hangs can be named by the thread that kills it.
import { parentPort, workerData } from 'node:worker_threads';
import { runCases, type FuzzOptions } from './run-cases';

const summary = runCases(workerData as FuzzOptions, (i) => parentPort!.postMessage({ started: i }));
parentPort!.postMessage({ summary });
