export function AuthHeading({ title, subtitle }: { title: string; subtitle: string }) {
  return (
    <header className="mb-6">
      <h1 className="font-semibold text-fg text-xl">{title}</h1>
      <p className="mt-1 text-muted text-sm">{subtitle}</p>
    </header>
  );
}
