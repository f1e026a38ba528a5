const m = await import('/work/main/packages/jobs-psi/src/bench.ts');
const n = Number(process.argv[2]);
console.log(JSON.stringify(await m.benchEcdhPsi(n)));
