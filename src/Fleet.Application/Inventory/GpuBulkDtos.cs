namespace Fleet.Application.Inventory;

/// <summary>The grid's filters, sent instead of serials to act on every card that matches ("all N matching").</summary>
public sealed record BulkFilter(string? Status = null, string? Datacenter = null, string? Model = null, string? Search = null)
{
    public GpuQuery ToQuery() => new() { Status = Status, Datacenter = Datacenter, Model = Model, Search = Search };
}

/// <summary>
/// A lifecycle move for many cards: named by <see cref="Serials"/> or selected by <see cref="Filter"/>. All-or-nothing
/// unless <see cref="Partial"/> asks to apply the move to the cards that can make it.
/// </summary>
public sealed record BulkTransitionRequest(
    IReadOnlyList<string>? Serials = null, string? To = null, string? Message = null, bool Partial = false, BulkFilter? Filter = null);

/// <summary>How a bulk edit changes the cards' notes.</summary>
public enum BulkNotesMode
{
    Replace,
    Append,
}

/// <summary>
/// Field edits for many cards. Each field left null stays as it is; <see cref="AssetTag"/> "" clears the tag,
/// <see cref="Host"/> places the cards in that host's free slots (lowest first), <see cref="Unplace"/> takes them out.
/// </summary>
public sealed record BulkEditRequest(
    IReadOnlyList<string>? Serials = null, BulkFilter? Filter = null, string? AssetTag = null, string? Notes = null,
    BulkNotesMode NotesMode = BulkNotesMode.Replace, string? Host = null, bool Unplace = false, bool Partial = false);

/// <summary>A card the action refused, and why.</summary>
public sealed record BulkError(string Serial, string Message);

/// <summary>
/// What a bulk action did: <see cref="Applied"/> false means nothing was written (a refused all-or-nothing request);
/// <see cref="Changed"/> are the cards as they are now, <see cref="Errors"/> every card refused.
/// </summary>
public sealed record BulkResult(bool Applied, IReadOnlyList<GpuListItem> Changed, IReadOnlyList<BulkError> Errors);
