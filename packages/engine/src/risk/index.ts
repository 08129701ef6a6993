export * from './classify.ts';
export * from './explain.ts';
export * from './level.ts';
export * from './order.ts';
