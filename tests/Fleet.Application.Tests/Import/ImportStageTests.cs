using System.Text;
using Fleet.Application.Import;
using Fleet.Domain;
using Fleet.Domain.Inventory;

namespace Fleet.Application.Tests.Import;

/// <summary>The import's stages on their own, without a database: what each refuses, with which line, column and message.</summary>
public sealed class ImportStageTests
{
    private static readonly ImportOptions s_options = new();

    private static async Task<(ImportSpool? Spool, ImportErrorList Errors)> SpoolAsync(byte[] bytes)
    {
        var errors = new ImportErrorList(100);
        return (await ImportSpool.CreateAsync(new MemoryStream(bytes), s_options, errors, CancellationToken.None), errors);
    }

    private static Task<(ImportSpool? Spool, ImportErrorList Errors)> SpoolAsync(string text) => SpoolAsync(Encoding.UTF8.GetBytes(text));

    private static (List<GpuCsvLine> Lines, ImportErrorList Errors) Read(string csv, string delimiter = ",")
    {
        var errors = new ImportErrorList(100);
        var lines = new List<GpuCsvLine>();
        lines.AddRange(GpuCsvReader.Read(new StringReader(csv), delimiter, errors, 1_000, () => lines.Count));
        return (lines, errors);
    }

    private static (GpuImportRow? Row, ImportErrorList Errors) Check(GpuCsvImportRow row)
    {
        var errors = new ImportErrorList(100);
        return (GpuRowRules.Check(7, row, errors), errors);
    }

    private static readonly GpuCsvImportRow s_good = new() { Serial = "SN-1", Model = "H100 SXM5 80GB" };

    // Decoding: bytes to text.

    [Fact]
    public async Task Spool_NulBytes_IsRefusedAsBinaryOnTheirLine()
    {
        var (spool, errors) = await SpoolAsync([.. "serial,model\nSN-1,x\n"u8, 0, 1, 2]);
        Assert.Null(spool);
        var e = Assert.Single(errors.Items);
        Assert.Equal(3, e.Line);
        Assert.Contains("binary file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spool_InvalidUtf8_NamesTheLineAndTheByte()
    {
        var (spool, errors) = await SpoolAsync([.. "serial,model\nSN-"u8, 0xE9, .. ",x\n"u8]);
        Assert.Null(spool);
        var e = Assert.Single(errors.Items);
        Assert.Equal(2, e.Line);
        Assert.Equal("0xE9", e.Value);
        Assert.Contains("not valid UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spool_Bom_IsNotPartOfTheText()
    {
        var (spool, errors) = await SpoolAsync("\uFEFFserial,model\nSN-1,x\n");
        await using var s = spool;
        Assert.NotNull(s);
        Assert.Empty(errors.Items);
        using var text = s.OpenText();
        Assert.Equal("serial,model", await text.ReadLineAsync());
    }

    [Fact]
    public async Task Spool_Empty_IsRefused()
    {
        var (spool, errors) = await SpoolAsync("\n  \n");
        Assert.Null(spool);
        var e = Assert.Single(errors.Items);
        Assert.Equal(1, e.Line);
        Assert.Contains("empty", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task Spool_HeaderWithTooManyColumnsOfAnyDelimiter_IsRefusedOnItsLine(string delimiter)
    {
        var (spool, errors) = await SpoolAsync("\nserial" + string.Concat(Enumerable.Repeat(delimiter + "c", 70)) + "\nSN-1\n");
        Assert.Null(spool);
        var e = Assert.Single(errors.Items);
        Assert.Equal(2, e.Line);
        Assert.Contains("more than 64 columns", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task Spool_HeaderDelimiter_IsDetected(string delimiter)
    {
        var (spool, _) = await SpoolAsync($"serial{delimiter}model{delimiter}notes\nSN-1{delimiter}x{delimiter}a, b; c\n");
        await using var s = spool;
        Assert.NotNull(s);
        Assert.Equal(delimiter, s.Delimiter);
    }

    // Reading: records with CsvHelper.

    [Fact]
    public void Read_UnknownColumn_IsRefusedOnTheHeaderLineNamingTheValidOnes()
    {
        var (lines, errors) = Read("serial,model,colour\nSN-1,x,red\n");
        Assert.Empty(lines);
        var e = Assert.Single(errors.Items);
        Assert.Equal((1, "colour"), (e.Line, e.Column));
        Assert.Contains("Valid columns: serial, model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MissingRequiredColumn_IsRefused()
    {
        var e = Assert.Single(Read("serial,status\nSN-1,InService\n").Errors.Items);
        Assert.Equal((1, "model"), (e.Line, e.Column));
        Assert.Contains("Missing required column 'model'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_RowWithExtraField_IsSkippedWithItsLineAndCounts()
    {
        var (lines, errors) = Read("serial,model\nSN-1,x,extra\nSN-2,y\n");
        var e = Assert.Single(errors.Items);
        Assert.Equal(2, e.Line);
        Assert.Contains("has 3 fields; the header has 2", e.Message, StringComparison.Ordinal);
        Assert.Equal("SN-2", Assert.Single(lines).Row.Serial);
    }

    [Fact]
    public void Read_UnterminatedQuote_NamesItsLine()
    {
        var e = Assert.Single(Read("serial,model,notes\nSN-1,x,\"never closed\nSN-2,y,z\n").Errors.Items);
        Assert.Equal(2, e.Line);
        Assert.Contains("not closed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BlankLinesAndQuotedLineBreaks_CountAsFileLines()
    {
        var (lines, errors) = Read("serial,model,notes\r\n\r\nSN-1,x,\"two\nlines\"\nSN-2,y,z\n");
        Assert.Empty(errors.Items);
        Assert.Equal([3, 5], lines.Select(l => l.Line));
        Assert.Equal("two\nlines", lines[0].Row.Notes);
    }

    [Fact]
    public void Read_MoreRowsThanTheLimit_StopsWithTheLineOfTheFirstOneOver()
    {
        var errors = new ImportErrorList(100);
        var read = GpuCsvReader.Read(new StringReader("serial,model\nA,x\nB,x\nC,x\n"), ",", errors, 2, () => 2).ToList();
        Assert.Empty(read);
        var e = Assert.Single(errors.Items);
        Assert.Equal(2, e.Line);
        Assert.Contains("more than 2 rows", e.Message, StringComparison.Ordinal);
    }

    // Field rules, one row at a time.

    [Theory]
    [InlineData("usd1")]
    [InlineData("dollars")]
    [InlineData("U$D")]
    public void Rules_CurrencyNotACode_IsRefusedWithTheCurrencyRule(string currency)
    {
        var (row, errors) = Check(s_good with { Currency = currency });
        Assert.Null(row);
        var e = Assert.Single(errors.Items);
        Assert.Equal((7, "currency", currency), (e.Line, e.Column, e.Value));
        Assert.Equal("currency must be a three-letter ISO 4217 code such as USD or EUR.", e.Message);
    }

    [Fact]
    public void Rules_LowerCaseCurrency_IsTheUpperCaseCode()
    {
        var (row, errors) = Check(s_good with { Currency = " eur " });
        Assert.Empty(errors.Items);
        Assert.Equal(CurrencyCode.Parse("EUR"), row!.Currency);
    }

    [Fact]
    public void Rules_ModelLongerThanItsColumn_IsOneLengthError()
    {
        var (row, errors) = Check(s_good with { Model = new string('m', 101) });
        Assert.Null(row);
        var e = Assert.Single(errors.Items);
        Assert.Equal("model", e.Column);
        Assert.Contains("is 101 characters long; the limit is 100", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_HostLongerThanItsColumn_IsOneLengthErrorNotASlotWithoutHost()
    {
        var (_, errors) = Check(s_good with { Host = new string('h', 129), Slot = "1" });
        var e = Assert.Single(errors.Items);
        Assert.Equal("host", e.Column);
        Assert.Contains("the limit is 128", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uuid", 65)]
    [InlineData("asset_tag", 65)]
    [InlineData("notes", 2001)]
    public void Rules_TextLongerThanTheTable_IsRefusedWithTheTablesLimit(string column, int length)
    {
        var text = new string('a', length);
        var row = column switch
        {
            "uuid" => s_good with { Uuid = text },
            "asset_tag" => s_good with { AssetTag = text },
            _ => s_good with { Notes = text },
        };
        var e = Assert.Single(Check(row).Errors.Items);
        Assert.Equal(column, e.Column);
        Assert.Contains($"the limit is {length - 1:N0}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_LengthTable_IsTheCardsFieldLimits()
    {
        Assert.Equal(GpuFieldLimits.Serial, GpuRowRules.MaxLength["serial"]);
        Assert.Equal(GpuFieldLimits.Uuid, GpuRowRules.MaxLength["uuid"]);
        Assert.Equal(GpuFieldLimits.AssetTag, GpuRowRules.MaxLength["asset_tag"]);
        Assert.Equal(GpuFieldLimits.BoardPartNumber, GpuRowRules.MaxLength["board_part_number"]);
        Assert.Equal(GpuFieldLimits.Vbios, GpuRowRules.MaxLength["vbios"]);
        Assert.Equal(GpuFieldLimits.PoNumber, GpuRowRules.MaxLength["po_number"]);
        Assert.Equal(GpuFieldLimits.Notes, GpuRowRules.MaxLength["notes"]);
        Assert.Equal(GpuFieldLimits.Model, GpuRowRules.MaxLength["model"]);
        Assert.Equal(GpuFieldLimits.Host, GpuRowRules.MaxLength["host"]);
        Assert.Equal(GpuFieldLimits.Datacenter, GpuRowRules.MaxLength["datacenter"]);
    }

    [Theory]
    [InlineData("slot", "256", "slot must be a whole number from 0 to 255.")]
    [InlineData("unit_cost", "-5", "unit_cost must not be negative.")]
    [InlineData("received_at", "2024-02-30", "received_at '2024-02-30' is not a real date; write it as YYYY-MM-DD.")]
    [InlineData("status", "Exploded", "Unknown status 'Exploded'.")]
    public void Rules_BadCell_IsRefusedWithItsColumnAndMessage(string column, string value, string message)
    {
        var row = column switch
        {
            "slot" => s_good with { Slot = value, Host = "h1" },
            "unit_cost" => s_good with { UnitCost = value },
            "received_at" => s_good with { ReceivedAt = value },
            _ => s_good with { Status = value },
        };
        var e = Assert.Single(Check(row).Errors.Items);
        Assert.Equal((7, column, value), (e.Line, e.Column, e.Value));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_SlotWithoutHost_IsRefusedOnTheSlot()
    {
        var e = Assert.Single(Check(s_good with { Slot = "1" }).Errors.Items);
        Assert.Equal(("slot", "slot is given without a host."), (e.Column, e.Message));
    }

    // Checks within the file.

    private static GpuImportRow Parsed(int line, string serial, string? uuid = null, string? host = null, int? slot = null) =>
        new(line, serial, "H100 SXM5 80GB", null, null, host, slot, uuid, null, null, null, null, null, null, null, null, null, null);

    [Fact]
    public void FileChecks_SameSerialInAnotherCase_NamesTheFirstLine()
    {
        var errors = new ImportErrorList(100);
        GpuFileChecks.Check([Parsed(2, "SN-1"), Parsed(3, "sn-1")], errors);
        var e = Assert.Single(errors.Items);
        Assert.Equal((3, "serial", "sn-1", "Duplicate serial: already on line 2."), (e.Line, e.Column, e.Value, e.Message));
    }

    [Fact]
    public void FileChecks_SameUuidAndSameHostSlot_AreEachNamed()
    {
        var errors = new ImportErrorList(100);
        GpuFileChecks.Check([Parsed(2, "A", "U-1", "h1", 0), Parsed(4, "B", "u-1", "H1", 0), Parsed(5, "C", null, "h1", 1)], errors);
        Assert.Equal(
            [(4, "uuid", "Duplicate uuid: already on line 2."), (4, "slot", "Slot 0 of host H1 is already taken on line 2.")],
            errors.Items.Select(e => (e.Line, e.Column, e.Message)));
    }

    // Decoding, reading and field rules together: every delimiter reads the same rows.

    [Theory]
    [InlineData(",")]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData("|")]
    public async Task Stages_AnyDelimiter_ReadTheSameRows(string d)
    {
        var csv = $"serial{d}model{d}unit_cost{d}currency{d}notes\nSN-1{d}H100 SXM5 80GB{d}30000.5{d}eur{d}\"rack 4{d} top\"\nSN-2{d}H200 SXM 141GB{d}{d}{d}\n";
        var (spool, errors) = await SpoolAsync(csv);
        await using var s = spool;
        Assert.NotNull(s);
        using var text = s.OpenText();
        var rows = GpuCsvReader.Read(text, s.Delimiter, errors, 1_000, () => 0).Select(l => GpuRowRules.Check(l.Line, l.Row, errors)).ToList();

        Assert.Empty(errors.Items);
        Assert.Equal(
            [(2, "SN-1", "H100 SXM5 80GB", (decimal?)30000.5m, "EUR", $"rack 4{d} top"), (3, "SN-2", "H200 SXM 141GB", null, null, null)],
            rows.Select(r => (r!.Line, r.Serial, r.Model, r.UnitCost, r.Currency?.Value, r.Notes)));
    }
}
