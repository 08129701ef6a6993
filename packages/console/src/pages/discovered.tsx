import { AutoTable, rowsOf } from '../components/auto-table.tsx';
import { Empty, ErrorNotice, Loading, PageHeader } from '../components/ui.tsx';
import { useConsole, useLoad } from '../hooks.tsx';

/**
 * A read-only list page for an admin endpoint newer than the console (resources, access policies,
 * access log): shown only when the server answers the endpoint; columns come from the data.
 */
export function DiscoveredListPage(props: { title: string; description: string; path: string }) {
  const { api } = useConsole();
  const list = useLoad(() => api.get<unknown>(props.path), [props.path]);
  const rows = rowsOf(list.data);
  return (
    <>
      <PageHeader title={props.title} description={props.description} />
      <ErrorNotice error={list.error} />
      {list.data === undefined ? (
        list.loading && <Loading />
      ) : rows.length === 0 ? (
        <Empty>Nothing here yet.</Empty>
      ) : (
        <AutoTable rows={rows} />
      )}
    </>
  );
}
