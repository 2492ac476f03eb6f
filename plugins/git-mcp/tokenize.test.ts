import { describe, expect, it } from 'vitest';
import { tokenize, TokenizeError } from './tokenize.js';

const argvs = (s: string): string[][] => tokenize(s).map((c) => c.argv);

describe('tokenize', () => {
  it('splits words on blanks and keeps the git prefix for the caller to drop', () => {
    expect(argvs('git log  --oneline\t-5')).toEqual([['git', 'log', '--oneline', '-5']]);
  });

  it('follows POSIX quoting: single quotes literal, double quotes with \\ escapes, backslash outside', () => {
    expect(argvs(`commit -m 'a "b" $c \\d'`)).toEqual([['commit', '-m', 'a "b" $c \\d']]);
    expect(argvs(`commit -m "say \\"hi\\" \\\\ \\$ \\\` \\n"`)).toEqual([['commit', '-m', 'say "hi" \\ $ ` \\n']]);
    expect(argvs('add my\\ file fl\'\'ow-state "flow"-state')).toEqual([['add', 'my file', 'flow-state', 'flow-state']]);
    expect(argvs(`commit -m ''`)).toEqual([['commit', '-m', '']]);
  });

  it('treats quoted shell characters as data', () => {
    expect(argvs(`commit -m "a | b > c; d && e * ? [x] (y) {z} ~ #"`)).toEqual([['commit', '-m', 'a | b > c; d && e * ? [x] (y) {z} ~ #']]);
  });

  it('parses chains and records the operator before each command', () => {
    const chain = tokenize('add a && commit -m x || status ; log;status');
    expect(chain.map((c) => c.op)).toEqual([null, '&&', '||', ';', ';']);
    expect(chain.map((c) => c.argv[0])).toEqual(['add', 'commit', 'status', 'log', 'status']);
    expect(argvs('status;')).toEqual([['status']]);
  });

  it('keeps git revision syntax that looks like shell syntax', () => {
    expect(argvs('log HEAD~3..@{u} stash@{0} HEAD^ main^{commit}')).toEqual([['log', 'HEAD~3..@{u}', 'stash@{0}', 'HEAD^', 'main^{commit}']]);
  });

  const rejected: Array<[string, RegExp]> = [
    ['status | sh', /pipe/],
    ['log > /tmp/x', /redirection ">"/],
    ['log >> x', /redirection ">>"/],
    ['status < x', /redirection/],
    ['status << EOF', /here-document/],
    ['status &', /background/],
    ['status &> x', /background|redirection/],
    ['commit -m $(touch x)', /command substitution/],
    ['commit -m "$(touch x)"', /command substitution/],
    ['commit -m `touch x`', /backticks/],
    ['commit -m "`touch x`"', /backticks/],
    ['log ${HOME}', /parameter expansion/],
    ['log $HOME', /variable expansion/],
    ['commit -m "cost $5"', /variable expansion/],
    ["log $'\\x41'", /ANSI-C/],
    ['add *.md', /glob/],
    ['add file?.md', /glob/],
    ['add [ab].md', /glob/],
    ['log ~/x', /tilde/],
    ['status\ntouch x', /newline/],
    ['status\rtouch x', /newline/],
    ['status\u0000', /NUL/],
    ['status\u001b[31m', /control character/],
    ['(status)', /subshell/],
    ['{ status; }', /brace/],
    ['add {a,b}.md', /brace/],
    ['status # note', /comment/],
    ['! status', /negation/],
    ['GIT_DIR=/x status', /environment assignment/],
    ['status &&', /missing/],
    ['&& status', /empty command/],
    ['status ;; log', /;;/],
    ["commit -m 'open", /unterminated single/],
    ['commit -m "open', /unterminated double/],
    ['status \\', /trailing backslash/],
    ['', /empty/],
  ];
  it.each(rejected)('rejects %j naming the construct', (input, message) => {
    let error: unknown;
    try {
      tokenize(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TokenizeError);
    expect((error as Error).message).toMatch(message);
  });
});
