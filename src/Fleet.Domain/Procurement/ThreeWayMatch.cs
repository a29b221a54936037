using System.Globalization;

namespace Fleet.Domain.Procurement;

/// <summary>How far an invoice may stray from order and receipts before it is flagged.</summary>
public sealed record MatchTolerance(decimal PricePercent, int Quantity)
{
    public static MatchTolerance Default { get; } = new(1m, 0);
}

/// <summary>What one invoice line is compared against.</summary>
public sealed record MatchLine(string Label, int Ordered, int Received, decimal OrderedUnitPrice, int Invoiced, decimal InvoicedUnitPrice);

/// <summary>The three-way check: invoice against purchase order and receipts.</summary>
public static class ThreeWayMatch
{
    /// <summary>Every discrepancy beyond <paramref name="tolerance"/>, as a sentence naming the line; empty when it matches.</summary>
    public static IReadOnlyList<string> Check(IEnumerable<MatchLine> lines, MatchTolerance tolerance)
    {
        var found = new List<string>();
        foreach (var l in lines)
        {
            if (Math.Abs(l.Invoiced - l.Received) > tolerance.Quantity)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{l.Label}: invoiced {l.Invoiced} but received {l.Received}."));
            }

            if (Math.Abs(l.Invoiced - l.Ordered) > tolerance.Quantity)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{l.Label}: invoiced {l.Invoiced} but ordered {l.Ordered}."));
            }

            var allowed = Math.Abs(l.OrderedUnitPrice) * tolerance.PricePercent / 100m;
            if (Math.Abs(l.InvoicedUnitPrice - l.OrderedUnitPrice) > allowed)
            {
                found.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{l.Label}: invoiced unit price {l.InvoicedUnitPrice:0.00##} differs from ordered {l.OrderedUnitPrice:0.00##} by more than {tolerance.PricePercent:0.##} %."));
            }
        }

        return found;
    }
}
