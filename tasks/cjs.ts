/**
 * Loads CommonJS dependencies (commander, cosmiconfig, jiti, zod, dotenv) with `require`.
 * Importing a CJS package from ESM makes Node scan its source for named exports
 * (cjs-module-lexer); for these packages that cost more than their whole load through
 * `require` and roughly doubled the start-up time of `qms list`.
 */
import { createRequire } from 'node:module';

export const requireCjs = createRequire(import.meta.url);
