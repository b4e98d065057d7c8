/**
 * The tray icon: image and tooltip from trayState() (main/desktop/tray-state.ts), and a context menu
 * (always provided, since a plain click means different things across Linux tray hosts — electron.md §5).
 */
import { Menu, nativeImage, Tray, type MenuItem, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { TrayView } from '../desktop/tray-state.ts';

export interface TrayActions {
  show(): void;
  setRecordingPaused(paused: boolean): void;
  setAutostart(enabled: boolean): void;
  quit(): void;
}

export interface TrayMenuState {
  recordingPaused: boolean;
  autostart: { supported: boolean; enabled: boolean };
}

export class ShellTray {
  // Kept as a field: a garbage-collected Tray disappears from the panel.
  private tray: Tray;
  private images = new Map<string, NativeImage>();
  private lastKey = '';

  constructor(private iconDir: string, private actions: TrayActions) {
    this.tray = new Tray(this.image('tray-ok'));
    this.tray.setToolTip('Tapedeck');
    // Windows/macOS: a click opens the console; Linux tray hosts may only offer the menu.
    this.tray.on('click', () => actions.show());
  }

  /** `<name>.png` next to `<name>@2x.png`: Electron picks the right one for the display scale. */
  private image(name: string): NativeImage {
    let img = this.images.get(name);
    if (!img) {
      img = nativeImage.createFromPath(join(this.iconDir, `${name}.png`));
      this.images.set(name, img);
    }
    return img;
  }

  /** Redraws only on change, unless forced (after a click Electron already toggled a checkbox itself). */
  update(view: TrayView, state: TrayMenuState, force = false): void {
    const key = JSON.stringify([view, state]);
    if (key === this.lastKey && !force) return;
    this.lastKey = key;
    this.tray.setImage(this.image(view.icon));
    this.tray.setToolTip(view.tooltip);
    const a = this.actions;
    const menu = Menu.buildFromTemplate([
      { label: view.reasons[0] ?? 'Tapedeck', enabled: false },
      ...view.reasons.slice(1, 4).map((r) => ({ label: r, enabled: false })),
      { type: 'separator' },
      { label: 'Show Tapedeck', click: () => a.show() },
      {
        label: 'Pause recording', type: 'checkbox', checked: state.recordingPaused,
        click: (item) => a.setRecordingPaused(item.checked),
      },
      ...(state.autostart.supported
        ? [{ label: 'Start at login', type: 'checkbox' as const, checked: state.autostart.enabled, click: (item: MenuItem) => a.setAutostart(item.checked) }]
        : []),
      { type: 'separator' },
      { label: 'Quit Tapedeck', click: () => a.quit() },
    ]);
    // Linux needs the menu set again after any change for it to show up.
    this.tray.setContextMenu(menu);
  }

  destroy(): void {
    this.tray.destroy();
  }
}
