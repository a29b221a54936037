using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Fleet.Application.Export;

namespace Fleet.Application.Tests.Export;

/// <summary>Formula injection: what a spreadsheet could run is written as text, and the import reads back what was stored.</summary>
public sealed class SafeCsvTests
{
    public static TheoryData<string, bool> Cells => new()
    {
        { "=1+1", true },
        { "+tag", true },
        { "-5", true },
        { "@SUM(A1)", true },
        { "\t=1", true },
        { "\r=1", true },
        // Spreadsheets that split on ';' (or ',') would see a formula after the separator.
        { "x;=HYPERLINK(\"http://evil\")", true },
        { "x,=HYPERLINK(\"http://evil\")", true },
        { "a; -b", true },
        { "a;\"=cmd\"", true },
        { " =1", true },
        { "'=1", true },
        // Text that no splitting turns into a formula stays as it is.
        { "plain text", false },
        { "H100 SXM5 80GB", false },
        { "699-2G530-0200-000", false },
        { "2024-01-10", false },
        { "a=b; c+d", false },
        { "it's", false },
        { "", false },
    };

    [Theory]
    [MemberData(nameof(Cells))]
    public void NeedsEscape_Cell_MatchesWhatASpreadsheetWouldRun(string cell, bool expected) =>
        Assert.Equal(expected, SafeCsv.NeedsEscape(cell));

    [Theory]
    [MemberData(nameof(Cells))]
    public void Unescape_OfEscape_IsTheOriginalValue(string cell, bool needsEscape)
    {
        var escaped = SafeCsv.Escape(cell);
        Assert.Equal(needsEscape ? "'" + cell : cell, escaped);
        Assert.Equal(cell, SafeCsv.Unescape(escaped));
    }

    private sealed record Row(string Notes, decimal Cost);

    [Fact]
    public async Task WriteAsync_SemicolonEmbeddedFormula_IsWrittenAsQuotedText()
    {
        using var stream = new MemoryStream();
        await SafeCsv.WriteAsync<Row, RowMap>(stream, Rows(), CancellationToken.None);

        var text = Encoding.UTF8.GetString(stream.ToArray()[3..]);
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("\"'x;=HYPERLINK(\"\"http://evil\"\")\",12.5", lines[1]);
        Assert.Equal("'a; -b,0", lines[2]);
        Assert.Equal("safe,3", lines[3]);
        using var csv = new CsvReader(new StringReader(text), new CsvConfiguration(CultureInfo.InvariantCulture));
        csv.Read();
        csv.ReadHeader();
        csv.Read();
        Assert.Equal("'x;=HYPERLINK(\"http://evil\")", csv.GetField("notes"));
    }

    private static async IAsyncEnumerable<Row> Rows()
    {
        yield return new Row("x;=HYPERLINK(\"http://evil\")", 12.5m);
        yield return new Row("a; -b", 0m);
        yield return new Row("safe", 3m);
        await Task.CompletedTask;
    }

    private sealed class RowMap : ClassMap<Row>
    {
        public RowMap()
        {
            Map(r => r.Notes).Name("notes");
            Map(r => r.Cost).Name("cost");
        }
    }
}
