// ONNX Runtime side of the side-by-side benchmark (bench/run.sh): times
// InferenceSession.run on a model exported by bench/torch_bench.py.
//
//   node ort_bench.js --model M.onnx --arch A --batch N --threads T [--input-size S] [--runs R] [--warmup W]
//                     [--spin 0|1]
//
// prints one JSON object with the keys of 'senet bench --json'. The session is
// ONNX Runtime's fastest CPU setting: all graph optimisations (BN folded into
// the convolutions, fused activations, NCHWc layout transformation), sequential
// execution, T intra-op threads and one inter-op thread, the memory arena on.
// --spin 0 makes idle pool threads sleep instead of spin (the session option
// session.intra_op.allow_spinning; ONNX Runtime's thread pool is its own, not
// OpenMP, so OMP_WAIT_POLICY does not reach it).
'use strict';
const ort = require('onnxruntime-node');
const ortVersion = require('onnxruntime-node/package.json').version;

function parseArgs(argv) {
  const a = { batch: 1, threads: 1, inputSize: 224, runs: 10, warmup: 2, spin: 1 };
  const names = { '--model': 'model', '--arch': 'arch', '--batch': 'batch', '--threads': 'threads',
                  '--input-size': 'inputSize', '--runs': 'runs', '--warmup': 'warmup', '--spin': 'spin' };
  for (let i = 2; i < argv.length; i += 2) {
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`ort_bench: bad argument '${argv[i]}'`);
    a[key] = ['model', 'arch'].includes(key) ? argv[i + 1] : parseInt(argv[i + 1], 10);
  }
  if (!a.model) throw new Error('ort_bench: --model is required');
  return a;
}

async function main() {
  const a = parseArgs(process.argv);
  const session = await ort.InferenceSession.create(a.model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: a.threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    extra: { session: { intra_op: { allow_spinning: String(a.spin) } } },
  });
  const n = a.batch * 3 * a.inputSize * a.inputSize;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.random() * 2 - 1;
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [a.batch, 3, a.inputSize, a.inputSize]) };
  for (let k = 0; k < a.warmup; k++) await session.run(feeds);
  const times = [];
  for (let k = 0; k < a.runs; k++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const s = [...times].sort((x, y) => x - y);
  const m = s.length;
  const median = m % 2 ? s[(m - 1) / 2] : 0.5 * (s[m / 2 - 1] + s[m / 2]);
  console.log(JSON.stringify({
    engine: 'onnxruntime', version: ortVersion, arch: a.arch, batch: a.batch, threads: a.threads,
    input_size: [a.inputSize, a.inputSize], train: false, spin: a.spin, runs: a.runs, warmup: a.warmup,
    ms_median: median, ms_min: s[0], ms_runs: times, img_per_s: a.batch / (median * 1e-3),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024, // kilobytes on Linux
  }));
}

main().catch((e) => { console.error(e.message || e); process.exit(1); });
