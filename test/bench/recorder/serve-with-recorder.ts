/**
 * Stand-in for `tapedeck serve --data DIR --listen 127.0.0.1:0 --channel NAME=URL ...` while the
 * recorder subsystem is not yet in main/subsystems.ts: the same node (startNode) with the default
 * subsystems plus the recorder, whose worker process is exactly the one `serve` will fork. The benchmark
 * uses the real CLI as soon as it is wired, and says in its output which one it ran.
 */
import { parseArgs } from 'node:util';
import { parseChannelSpec } from '../../../main/core/config.ts';
import { startNode } from '../../../main/core/node.ts';
import { recorderSubsystem } from '../../../main/recorder/index.ts';
import { defaultSubsystems } from '../../../main/subsystems.ts';

const { values } = parseArgs({
  options: {
    data: { type: 'string' }, listen: { type: 'string' }, channel: { type: 'string', multiple: true }, demo: { type: 'boolean', default: false },
  },
});
if (!values.data) throw new Error('--data is required');
const [host, port] = (values.listen ?? '127.0.0.1:0').split(':');
const node = await startNode({
  dataDir: values.data, host, port: Number(port),
  config: { channels: (values.channel ?? []).map(parseChannelSpec), demo: values.demo },
  subsystems: [...(await defaultSubsystems()), recorderSubsystem],
});
console.log(`Tapedeck node listening on ${node.url} (data: ${node.dataDir})`);
console.log(`Open the operator console: ${node.loginUrl()}`);
const stop = async () => {
  await node.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
