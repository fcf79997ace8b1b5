// Child-process probe for the backend tests: prints the chosen backend as JSON, or the error.
import { initBackend } from '../../lib/backend';

initBackend().then(
  (info) => console.log(JSON.stringify(info)),
  (err: Error) => {
    console.log(JSON.stringify({ error: err.message }));
    process.exitCode = 1;
  },
);
