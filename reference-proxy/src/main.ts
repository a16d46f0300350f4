// Production entry: `node reference-proxy/src/main.ts`. Builds the default components and starts the server.
import { bootstrap } from './bootstrap.ts';

await bootstrap();
