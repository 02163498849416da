// Pure parsers of ESXi and NVIDIA MFT command output. Each takes the command's stdout and returns
// a typed result, or throws ParseError when the text is not that command's output at all.
export * from './parse-error';
export * from './card-model';
export * from './esxcli-table';
export * from './esxcli-keyvalue';
export * from './vib-list';
export * from './module-list';
export * from './module-parameters';
export * from './module-options';
export * from './esxcfg-module';
export * from './vmkload-mod';
export * from './mst-status';
export * from './mlxconfig-table';
export * from './mlxconfig-error';
export * from './mlxconfig-query';
export * from './mlxconfig-set';
export * from './flint';
export * from './system';
export * from './network-nic';
export * from './network-sriov-vf';
export * from './hardware-pci';
export * from './lspci';
export * from './ps';
export * from './vmksummary';
export * from './shell-log';
export * from './log-time';
