export { progressLine, formatDuration } from './progress';
