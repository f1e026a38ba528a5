const m = await import('./src/bench.ts');
const n = Number(process.argv[2]); const th = process.argv[3] === 'd' ? undefined : Number(process.argv[3]);
if (process.argv[4] === 'om') console.log(JSON.stringify(await m.benchOpenMinedPsi(n)));
else console.log(JSON.stringify(await m.benchEcdhPsi(n, th)));
