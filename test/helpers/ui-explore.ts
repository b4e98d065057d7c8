// scratch: exploratory run (deleted before hand-off)
import { startFakeTwitch } from '../fakes/twitch/index.ts';
import { startFakeYouTube } from '../fakes/youtube/index.ts';
import { fakeConfig } from '../integration/youtube-fixture.ts';
import { launchChromium, openApp, shot, sleep, startUiNode } from './ui.ts';

const tw = await startFakeTwitch({ channels: { alpha: { windowSize: 30 }, beta: { windowSize: 10 } } });
const yt = await startFakeYouTube({ processingMs: 500 });
const node = await startUiNode({ config: {
  channels: [{ name: 'alpha', important: true }, { name: 'beta', important: false }],
  twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
  youtube: fakeConfig(yt), uploadLocations: [{ name: 'yt', type: 'youtube', account: 'main-channel', cutType: 'smart' } as never],
} });
console.log(node.url);
const browser = await launchChromium();
const { page, errors } = await openApp(browser, node, '#/streams');
await sleep(8000);
for (const s of ['streams', 'events', 'uploads', 'tombstones', 'settings']) {
  await page.goto(`${node.url}/#/${s}`);
  await sleep(2500);
  await shot(page, `explore-${s}`);
}
console.log(errors);
await browser.close();
await node.cleanup();
await tw.close(); await yt.close();
