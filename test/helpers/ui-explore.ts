// scratch: exploratory run (deleted before hand-off)
import { startFakeTwitch } from '../fakes/twitch/index.ts';
import { startFakeYouTube } from '../fakes/youtube/index.ts';
import { fakeConfig } from '../integration/youtube-fixture.ts';
import { launchChromium, openApp, shot, sleep, startUiNode } from './ui.ts';

const tw = await startFakeTwitch({ channels: { alpha: { windowSize: 30 }, beta: { windowSize: 10 } } });
const yt = await startFakeYouTube({ processingMs: 500 });
const t0 = Date.now();
const node = await startUiNode({ config: {
  channels: [{ name: 'alpha', important: true }, { name: 'beta', important: false }],
  twitch: { gqlUrl: tw.gqlUrl, usherUrl: `${tw.usherUrl}/api/channel/hls`, clientId: tw.clientId, persistedQueryHash: tw.persistedQueryHash },
  youtube: fakeConfig(yt), uploadLocations: [{ name: 'yt', type: 'youtube', account: 'main-channel', cutType: 'smart' } as never],
} });
console.log(node.url, Date.now() - t0);
const browser = await launchChromium();
const { page, errors } = await openApp(browser, node, '#/streams');
await sleep(8000);
await shot(page, 'explore-streams');
await page.keyboard.press('m');
await sleep(1500);
await page.locator('[data-testid^=mark-link-]').first().click();
await sleep(5000);
await shot(page, 'explore-editor');
console.log(await page.locator('[data-testid=first-frame-ms]').textContent().catch(() => 'no first frame'));
console.log(await page.locator('[data-testid=wall-clock]').textContent());
for (const s of ['events', 'uploads', 'tombstones', 'settings']) {
  await page.goto(`${node.url}/#/${s}`);
  await sleep(2000);
  await shot(page, `explore-${s}`);
}
console.log(errors);
await browser.close();
await node.cleanup();
await tw.close(); await yt.close();
