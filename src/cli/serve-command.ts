// `outrigger serve`: placeholder until the sidecar runtime lands (replaced in the foundation work).
export async function run(_args: readonly string[]): Promise<number> {
  process.stderr.write("outrigger serve: not implemented yet\n");
  return 1;
}
