import type { ReactNode } from "react";

export function Tabs<T extends string>({
  tabs,
  current,
  onSelect,
}: {
  tabs: ReadonlyArray<readonly [T, ReactNode]>;
  current: T;
  onSelect: (tab: T) => void;
}) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button
          key={id}
          role="tab"
          aria-selected={id === current}
          className={id === current ? "active" : ""}
          onClick={() => onSelect(id)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
