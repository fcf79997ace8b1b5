// The data layer: datasets as normalised ImageDatasets, splits, and verified downloads.
export * from './dataset';
export * from './idx';
export * from './idx-dataset';
export * from './normalize';
export * from './locate';
export * from './mnist';
export * from './fashion-mnist';
export * from './cifar10';
export * from './splits';
export * from './checksum';
export * from './download-file';
export * from './download';
export * from './variants';
export * from './tasks';
export * from './from-arrays';
