/** npm run migrate — applies pending migrations to DATABASE_URL, else to the embedded database in DATA_DIR. */
import { loadConfig } from '../api/config.ts';
import { connect } from '../api/db/connect.ts';
import { migrate } from '../api/db/migrate.ts';

const db = await connect(loadConfig());
try {
  const applied = await migrate(db.pool);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} finally {
  await db.close();
}
