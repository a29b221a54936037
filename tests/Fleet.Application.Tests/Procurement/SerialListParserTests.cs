using Fleet.Application.Import;
using Fleet.Application.Procurement;

namespace Fleet.Application.Tests.Procurement;

public sealed class SerialListParserTests
{
    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public void Parse_PackingListWithAnyDelimiter_ReadsTheSameRows(string d)
    {
        var errors = new List<ImportError>();

        var rows = SerialListParser.Parse($"serial{d}model\nSN-1{d}H100 SXM5 80GB\nSN-2{d}\n\"SN-3\"{d}H200 SXM 141GB\n", 100, errors);

        Assert.Empty(errors);
        Assert.Equal([new SerialRow(2, "SN-1", "H100 SXM5 80GB"), new SerialRow(3, "SN-2", null), new SerialRow(4, "SN-3", "H200 SXM 141GB")], rows);
    }

    [Fact]
    public void Parse_OneSerialPerLine_HasNoHeader()
    {
        var errors = new List<ImportError>();

        var rows = SerialListParser.Parse("\uFEFFSN-1\r\nSN-2\r\n", 100, errors);

        Assert.Empty(errors);
        Assert.Equal([new SerialRow(1, "SN-1", null), new SerialRow(2, "SN-2", null)], rows);
    }

    [Theory]
    [InlineData("serial;colour\nSN-1;red\n", 1, "colour", "Unknown column 'colour'")]
    [InlineData("serial|serial\nSN-1|SN-2\n", 1, "", "named twice")]
    [InlineData("SN-1\nSN-2,x\n", 2, "serial", "Expected one serial per line")]
    [InlineData("serial\tmodel\n=cmd\tx\n", 2, "serial", "letters, digits")]
    public void Parse_BadList_NamesLineAndColumn(string text, int line, string column, string fragment)
    {
        var errors = new List<ImportError>();

        SerialListParser.Parse(text, 100, errors);

        var e = Assert.Single(errors);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
