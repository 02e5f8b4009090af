// Anthropic's official TypeScript SDK against the mock server (benches/compare/run.sh).
//
//   node ts_sdk.mjs stream URL KEY RUNS [SCENARIO]   (SCENARIO names the row; default "stream")
//   node ts_sdk.mjs small  URL KEY RUNS N CONC
//
// Prints one JSON line: {"tool", "scenario", "secs": [per run], "check": ...}.
// Run with NODE_PATH (or cwd) such that '@anthropic-ai/sdk' resolves: run.sh runs it from
// the throw-away install directory.
import Anthropic from '@anthropic-ai/sdk';

const MODEL = 'claude-sonnet-4-5';
const MESSAGES = [{ role: 'user', content: 'ping' }];
const [cmd, url, key, runsArg, nArg, concArg] = process.argv.slice(2);
const runs = Number(runsArg);
const client = new Anthropic({ apiKey: key, baseURL: url, maxRetries: 0 });

function emit(scenario, secs, check) {
  console.log(JSON.stringify({ tool: 'ts_sdk', scenario, secs, check }));
}

async function timed(f) {
  let check = await f();
  const secs = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    check = await f();
    secs.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return [secs, check];
}

if (cmd === 'stream') {
  const once = async () => {
    const msg = await client.messages
      .stream({ model: MODEL, max_tokens: 64000, messages: MESSAGES })
      .finalMessage();
    return { text_bytes: Buffer.byteLength(msg.content[0].text) };
  };
  const [secs, check] = await timed(once);
  emit(nArg || 'stream', secs, check);
} else if (cmd === 'small') {
  const n = Number(nArg);
  const conc = Number(concArg);
  const batch = async () => {
    let next = 0;
    let total = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const msg = await client.messages.create({ model: MODEL, max_tokens: 64, messages: MESSAGES });
        total += msg.content[0].text.length;
      }
    };
    await Promise.all(Array.from({ length: conc }, worker));
    return { requests: n, text_bytes: total };
  };
  const [secs, check] = await timed(batch);
  emit(`small_c${conc}`, secs, check);
} else {
  console.error(`unknown command ${cmd}`);
  process.exit(2);
}

