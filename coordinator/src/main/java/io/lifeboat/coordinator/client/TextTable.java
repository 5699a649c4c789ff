package io.lifeboat.coordinator.client;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table whose columns are as wide as their widest cell. */
final class TextTable {

    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        rows.add(header);
    }

    TextTable row(String... cells) {
        rows.add(cells);
        return this;
    }

    boolean isEmpty() {
        return rows.size() == 1;
    }

    String render() {
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                width[c] = Math.max(width[c], cell(row, c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                line.append(cell(row, c));
                if (c < columns - 1) {
                    line.append(" ".repeat(width[c] - cell(row, c).length() + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String cell(String[] row, int c) {
        return c < row.length && row[c] != null ? row[c] : "";
    }
}
