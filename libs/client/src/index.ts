export * from './events';
export * from './signature';
