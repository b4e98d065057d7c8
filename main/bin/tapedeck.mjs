#!/usr/bin/env node
// Entry point for the `tapedeck` command: loads the TypeScript sources through tsx's loader so the
// headless node runs straight from a checkout (the desktop build bundles instead).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli.ts');
const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
