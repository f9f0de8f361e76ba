// The decision service arrives with the service issue; until then `npm start` prints the price table.
import { run } from '../../cli/src/cli';
import { processIo } from '../../cli/src/io';

void run(['table'], processIo()).then((code) => {
  process.exitCode = code;
});
