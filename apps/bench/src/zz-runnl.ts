import '/work/main/packages/spu/src/nonlinear/index.ts';
import suite from '/work/main/apps/bench/src/suites/nonlinear.ts';
await suite.run({ quick: false, emit: (r) => { if (r.field === 'FM64' || r.n <= 1 << 15) console.log(JSON.stringify(r)); } });
