import type { CommandContext } from './context.js';

/** A command handler: gets its positional arguments, its own options and the context; returns an exit code. */
export type Handler<A extends unknown[], O> = (args: A, options: O, ctx: CommandContext) => Promise<number>;

/** Turns a lazily imported handler into a commander action (program.ts's `bind`). */
export type Bind = <A extends unknown[], O>(
  load: () => Promise<Handler<A, O>>,
) => (...raw: unknown[]) => Promise<void>;

/** The "Examples:" block of a command's help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
