// Where MFT/NMST installs its tools on ESXi (the guide's /opt/mellanox/bin): the activities run them
// (activities/esxi/commands.ts) and the dry-run plan shows them (common/plan/).

export const MST = '/opt/mellanox/bin/mst';
export const MLXCONFIG = '/opt/mellanox/bin/mlxconfig';
