// Entry of the engine process (dist/engine.js), forked by the extension and by the CLI.
// Reads requests over the IPC channel, dispatches them, and streams events and responses back.
import { startEngineHost } from './engineHost';

startEngineHost();
