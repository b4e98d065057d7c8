/**
 * Shows the notifications decided by main/desktop/notifications.ts as OS notifications. Clicking one
 * opens the console on the notification's route.
 */
import { Notification } from 'electron';
import type { ShellNotification } from '../desktop/notifications.ts';

export class DesktopNotifier {
  // Referenced until closed: a collected Notification loses its click handler.
  private live = new Map<string, Notification>();

  constructor(private icon: string | undefined, private open: (route: string) => void) {}

  show(n: ShellNotification): void {
    if (!Notification.isSupported()) {
      console.warn(`[notify] notifications unsupported here: ${n.title} — ${n.body}`);
      return;
    }
    // A newer notification about the same thing replaces the old one instead of stacking up.
    this.live.get(n.id)?.close();
    const note = new Notification({
      title: n.title,
      body: n.body,
      icon: this.icon,
      urgency: n.urgency === 'critical' ? 'critical' : 'normal', // Linux
      timeoutType: n.urgency === 'critical' ? 'never' : 'default',
    });
    const forget = () => {
      if (this.live.get(n.id) === note) this.live.delete(n.id);
    };
    note.on('click', () => {
      this.open(n.route);
      forget();
    });
    note.on('close', forget);
    // Unsigned macOS builds fail instead of showing anything; at least leave a trace.
    note.on('failed', (_e, error) => {
      console.error(`[notify] ${n.title}: ${error}`);
      forget();
    });
    this.live.set(n.id, note);
    note.show();
  }

  closeAll(): void {
    for (const n of this.live.values()) n.close();
    this.live.clear();
  }
}
