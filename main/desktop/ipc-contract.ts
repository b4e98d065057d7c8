/**
 * The whole preload ↔ main surface: one zod schema pair per channel, and the dispatcher the Electron
 * adapter calls from ipcMain.handle. Only things the browser cannot do live here (choose a folder,
 * reveal a file, app version, open the Google consent page in the system browser, start at login);
 * everything else goes through the core's HTTP API like in a plain browser.
 *
 * Order of checks: sender (decided by the adapter with web-policy.isTrustedSender), channel, input
 * schema, handler, output schema. Errors come back as IpcResult values, never thrown.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { IPC, MAX_PATH_LENGTH, MAX_TITLE_LENGTH, type IpcChannel, type IpcResult } from './ipc-channels.ts';

const AbsolutePath = z.string().min(1).max(MAX_PATH_LENGTH)
  .refine((p) => !p.includes('\0'), 'must not contain NUL')
  .refine((p) => isAbsolute(p), 'must be an absolute path');

const AutostartState = z.strictObject({ supported: z.boolean(), enabled: z.boolean() });

/** Flat JSON for the YouTube connect request (its fields are checked by the flow itself). */
const ConnectRequest = z.record(z.string().min(1).max(64), z.union([z.string().max(4096), z.number(), z.boolean()]))
  .refine((r) => Object.keys(r).length <= 20, 'too many fields');

export const ipcContract = {
  [IPC.chooseFolder]: {
    input: z.strictObject({ title: z.string().max(MAX_TITLE_LENGTH).optional(), defaultPath: AbsolutePath.optional() }).optional(),
    output: z.strictObject({ path: AbsolutePath.nullable() }),
  },
  [IPC.revealFile]: {
    input: z.strictObject({ path: AbsolutePath }),
    output: z.strictObject({ shown: z.boolean() }),
  },
  [IPC.appInfo]: {
    input: z.undefined(),
    output: z.strictObject({ version: z.string(), electron: z.string(), chrome: z.string(), platform: z.string() }),
  },
  [IPC.connectYouTube]: {
    input: ConnectRequest.optional(),
    output: z.strictObject({ opened: z.boolean() }),
  },
  [IPC.getAutostart]: { input: z.undefined(), output: AutostartState },
  [IPC.setAutostart]: { input: z.strictObject({ enabled: z.boolean() }), output: AutostartState },
} satisfies Record<IpcChannel, { input: z.ZodType; output: z.ZodType }>;

export type IpcInput<C extends IpcChannel> = z.output<(typeof ipcContract)[C]['input']>;
export type IpcOutput<C extends IpcChannel> = z.output<(typeof ipcContract)[C]['output']>;
export type IpcHandlers = { [C in IpcChannel]: (input: IpcInput<C>) => Promise<IpcOutput<C>> | IpcOutput<C> };

const fail = (code: 'FORBIDDEN' | 'BAD_INPUT' | 'UNKNOWN_CHANNEL' | 'FAILED', message: string): IpcResult<never> => ({ ok: false, error: { code, message } });

function describe(e: z.ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

export async function dispatchIpc(channel: string, rawInput: unknown, trusted: boolean, handlers: IpcHandlers): Promise<IpcResult<unknown>> {
  if (!trusted) return fail('FORBIDDEN', 'IPC is only answered for the Tapedeck console window');
  if (!Object.hasOwn(ipcContract, channel)) return fail('UNKNOWN_CHANNEL', `no IPC channel ${JSON.stringify(channel)}`);
  const c = channel as IpcChannel;
  const input = ipcContract[c].input.safeParse(rawInput);
  if (!input.success) return fail('BAD_INPUT', describe(input.error));
  let value: unknown;
  try {
    value = await (handlers[c] as (i: unknown) => unknown)(input.data);
  } catch (e) {
    console.error(`[ipc] ${c} failed`, e);
    return fail('FAILED', e instanceof Error ? e.message : String(e));
  }
  const output = ipcContract[c].output.safeParse(value);
  if (!output.success) {
    console.error(`[ipc] ${c} returned an invalid result: ${describe(output.error)}`);
    return fail('FAILED', 'internal error');
  }
  return { ok: true, value: output.data };
}
