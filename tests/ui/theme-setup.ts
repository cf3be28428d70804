/**
 * Browser tests mount components on a bare page; this gives that page the app's theme (src/main.ts
 * imports it), so that components are measured with the sizes and rules they have in the app.
 */
import '../../src/ui/theme.css';
