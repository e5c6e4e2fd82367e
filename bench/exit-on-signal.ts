/**
 * Preloaded into the service by `npm run bench -- --profile` (node --require): SIGUSR2 exits the
 * process normally, so `--cpu-prof` writes its profile (NestJS re-raises SIGTERM, which would not).
 */
process.once('SIGUSR2', () => process.exit(0));
