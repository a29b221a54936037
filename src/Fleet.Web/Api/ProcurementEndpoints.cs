using System.Globalization;
using Fleet.Application.Common;
using Fleet.Application.Procurement;
using Fleet.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrderChange = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<Fleet.Application.Procurement.OrderItem>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.UnprocessableEntity<Microsoft.AspNetCore.Mvc.ProblemDetails>>;
using InvoiceChange = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Ok<Fleet.Application.Procurement.InvoiceItem>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.UnprocessableEntity<Microsoft.AspNetCore.Mvc.ProblemDetails>>;
using OrderCreation = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Created<Fleet.Application.Procurement.OrderItem>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.UnprocessableEntity<Microsoft.AspNetCore.Mvc.ProblemDetails>>;
using QuoteCreation = Microsoft.AspNetCore.Http.HttpResults.Results<
    Microsoft.AspNetCore.Http.HttpResults.Created<Fleet.Application.Procurement.QuoteItem>,
    Microsoft.AspNetCore.Http.HttpResults.BadRequest<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>,
    Microsoft.AspNetCore.Http.HttpResults.UnprocessableEntity<Microsoft.AspNetCore.Mvc.ProblemDetails>>;

namespace Fleet.Web.Api;

/// <summary><c>/api/vendors</c>, <c>/api/orders</c>, <c>/api/quotes</c>: procurement over HTTP. Procurement writes; every role reads.</summary>
public static class ProcurementEndpoints
{
    private const int MaxDeliveryBytes = 4 * 1024 * 1024;

    /// <summary>The query of <c>GET /api/orders</c>: every parameter optional; without <c>pageSize</c> every match comes back.</summary>
    public sealed record OrderListRequest(
        string? Search, Fleet.Domain.Procurement.PurchaseOrderStatus? Status, string? Vendor, string? Datacenter, int? Page, int? PageSize);

    private static async Task<Results<Ok<IReadOnlyList<OrderItem>>, BadRequest<ProblemDetails>>> ListOrders([AsParameters] OrderListRequest query, HttpContext http,
        PurchaseOrderService s, CancellationToken ct)
    {
        var page = await s.ListAsync(new OrderQuery(query.Search, query.Status, query.Vendor, query.Datacenter, query.Page ?? 1, query.PageSize), ct);
        http.Response.Headers["X-Total-Count"] = page.Total.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(page.Items);
    }

    public static RouteGroupBuilder MapProcurementApi(this RouteGroupBuilder api)
    {
        var vendors = api.MapGroup("/vendors").WithTags("Procurement");
        vendors.MapGet("/", async (VendorService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListVendors").WithSummary("Every vendor.").RequireAuthorization(Policies.AnyRole);
        vendors.MapGet("/{id:int}", async Task<Results<Ok<VendorItem>, NotFound>> (int id, VendorService s, CancellationToken ct) =>
                (await s.ListAsync(ct)).FirstOrDefault(v => v.Id == id) is { } vendor ? TypedResults.Ok(vendor) : TypedResults.NotFound())
            .WithName("GetVendor").WithSummary("One vendor; its ETag is the version an edit sends back as If-Match.").RequireAuthorization(Policies.AnyRole)
            .WithETag(Versioned.Vendor);
        vendors.MapPost("/", async Task<Results<Created<VendorItem>, BadRequest<ProblemDetails>, Conflict<ProblemDetails>>> (VendorRequest body, HttpContext http,
                RequestActor actor, VendorService s, CancellationToken ct) =>
            {
                var vendor = await s.SaveAsync(null, body, actor, ct);
                return Created(http, vendor, string.Create(CultureInfo.InvariantCulture, $"/api/vendors/{vendor.Id}"), vendor.Version);
            })
            .WithName("CreateVendor").WithSummary("Adds a vendor (201; 409 when the name is taken).").RequireAuthorization(Policies.Procurement);
        vendors.MapPut("/{id:int}", async Task<Results<Ok<VendorItem>, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, Conflict<ProblemDetails>>> (int id,
                VendorRequest body, RequestActor actor, VendorService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SaveAsync(id, body, actor, ct)))
            .WithName("UpdateVendor").WithSummary("Edits a vendor; send If-Match or expectedVersion.").RequireAuthorization(Policies.Procurement)
            .RequireVersion(Versioned.Vendor);

        var orders = api.MapGroup("/orders").WithTags("Procurement");
        orders.MapGet("/", ListOrders)
            .WithName("ListOrders")
            .WithSummary("Purchase orders, newest first, with lines and received quantities; search (PO number, vendor), status, vendor and datacenter filter them, page and pageSize page them; X-Total-Count says how many match.")
            .RequireAuthorization(Policies.AnyRole);
        orders.MapGet("/{number}", async Task<Results<Ok<OrderItem>, NotFound<ProblemDetails>>> (string number, PurchaseOrderService s, CancellationToken ct) =>
                TypedResults.Ok(await s.GetAsync(number, ct)))
            .WithName("GetOrder").WithSummary("One purchase order.").RequireAuthorization(Policies.AnyRole).WithETag(Versioned.Order);
        orders.MapPost("/", async Task<OrderCreation> (CreateOrderRequest body, HttpContext http, RequestActor actor, PurchaseOrderService s,
                CancellationToken ct) =>
            {
                var order = await s.CreateAsync(body, actor, ct);
                return Created(http, order, $"/api/orders/{Uri.EscapeDataString(order.Number)}", order.Version);
            })
            .WithName("CreateOrder").WithSummary("Records a Draft purchase order with its lines (201; 409 when the number is taken).")
            .RequireAuthorization(Policies.Procurement);
        orders.MapPost("/{number}/submit", async Task<OrderChange> (string number, [FromBody] ExpectedVersionBody? body, RequestActor actor, PurchaseOrderService s, CancellationToken ct) =>
                TypedResults.Ok(await s.SubmitAsync(number, actor, ct)))
            .WithName("SubmitOrder").WithSummary("Draft → Submitted; send If-Match or expectedVersion.").RequireAuthorization(Policies.Procurement)
            .RequireVersion(Versioned.Order);
        orders.MapPost("/{number}/cancel", async Task<OrderChange> (string number, [FromBody] ExpectedVersionBody? body, RequestActor actor, PurchaseOrderService s, CancellationToken ct) =>
                TypedResults.Ok(await s.CancelAsync(number, actor, ct)))
            .WithName("CancelOrder").WithSummary("Draft or Submitted → Cancelled; send If-Match or expectedVersion.").RequireAuthorization(Policies.Procurement)
            .RequireVersion(Versioned.Order);
        orders.MapPost("/{number}/deliveries", Receive).WithName("ReceiveDelivery")
            .WithSummary("Receives serials (JSON, text/csv body or one uploaded packing list) all-or-nothing; 422 lists every error with line and column.")
            .RequireAuthorization(Policies.Procurement).DisableAntiforgery().WithBodyLimit(MaxDeliveryBytes + RequestBodyLimits.DefaultApiBytes);
        orders.MapGet("/{number}/invoices", async Task<Results<Ok<IReadOnlyList<InvoiceItem>>, NotFound<ProblemDetails>>> (string number, InvoiceService s,
                CancellationToken ct) => TypedResults.Ok(await s.ListAsync(number, ct)))
            .WithName("ListInvoices").WithSummary("Invoices recorded against the order with their three-way flags.").RequireAuthorization(Policies.AnyRole);
        orders.MapPost("/{number}/invoices", async Task<InvoiceChange> (string number, InvoiceRequest body, RequestActor actor, InvoiceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.RecordAsync(number, body, actor, ct)))
            .WithName("RecordInvoice").WithSummary("Records an invoice and flags differences from order and receipts.").RequireAuthorization(Policies.Procurement);
        orders.MapPost("/{number}/invoices/{invoice}/approve", async Task<InvoiceChange> (string number, string invoice, InvoiceReviewRequest body, RequestActor actor,
                InvoiceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.ApproveAsync(number, invoice, body, actor, ct)))
            .WithName("ApproveInvoice").WithSummary("Accepts a mismatched invoice for payment, with a note.").RequireAuthorization(Policies.Finance);
        orders.MapPost("/{number}/invoices/{invoice}/dispute", async Task<InvoiceChange> (string number, string invoice, InvoiceReviewRequest body, RequestActor actor,
                InvoiceService s, CancellationToken ct) =>
                TypedResults.Ok(await s.DisputeAsync(number, invoice, body, actor, ct)))
            .WithName("DisputeInvoice").WithSummary("Disputes a mismatched invoice with the vendor, with a note.").RequireAuthorization(Policies.Finance);

        var quotes = api.MapGroup("/quotes").WithTags("Procurement");
        quotes.MapGet("/", async (QuoteService s, CancellationToken ct) => TypedResults.Ok(await s.ListAsync(ct)))
            .WithName("ListQuotes").WithSummary("Vendor quotes and the orders they became.").RequireAuthorization(Policies.AnyRole);
        quotes.MapGet("/{reference}", async Task<Results<Ok<QuoteItem>, NotFound>> (string reference, QuoteService s, CancellationToken ct) =>
                (await s.ListAsync(ct)).FirstOrDefault(q => q.Reference == reference) is { } quote ? TypedResults.Ok(quote) : TypedResults.NotFound())
            .WithName("GetQuote").WithSummary("One quote; its ETag is the version a conversion sends back as If-Match.").RequireAuthorization(Policies.AnyRole)
            .WithETag(Versioned.Quote);
        quotes.MapPost("/", async Task<QuoteCreation> (CreateQuoteRequest body, HttpContext http, RequestActor actor, QuoteService s, CancellationToken ct) =>
            {
                var quote = await s.CreateAsync(body, actor, ct);
                return Created(http, quote, $"/api/quotes/{Uri.EscapeDataString(quote.Reference)}", null);
            })
            .WithName("CreateQuote").WithSummary("Records a vendor quote (201; 409 when the reference is taken).").RequireAuthorization(Policies.Procurement);
        quotes.MapPost("/{reference}/convert", async Task<OrderChange> (string reference, ConvertQuoteRequest body, RequestActor actor, QuoteService s, CancellationToken ct) =>
                TypedResults.Ok(await s.ConvertAsync(reference, body.OrderNumber ?? "", actor, ct)))
            .WithName("ConvertQuote").WithSummary("Turns a quote into a Draft purchase order; send If-Match or expectedVersion.")
            .RequireAuthorization(Policies.Procurement).RequireVersion(Versioned.Quote);
        return api;
    }

    /// <summary>The body of <c>POST /api/quotes/{reference}/convert</c>.</summary>
    public sealed record ConvertQuoteRequest(string? OrderNumber, long? ExpectedVersion = null);

    /// <summary>The optional body of a state change that takes no other input: the version it was decided on (or send If-Match).</summary>
    public sealed record ExpectedVersionBody(long? ExpectedVersion);

    /// <summary>201 with the new resource's address and, where it has one, its version as ETag (so its creator can edit it without a GET).</summary>
    private static Created<T> Created<T>(HttpContext http, T item, string location, long? version)
    {
        if (version is { } v)
        {
            http.Response.Headers.ETag = VersioningEndpointExtensions.ETagOf(v);
        }

        return TypedResults.Created(location, item);
    }

    /// <summary>The query of <c>POST /api/orders/{number}/deliveries</c>: <c>dryRun</c> (true|false|1|0) and <c>receivedAt</c> (yyyy-MM-dd), bound as text so a bad value is refused by name.</summary>
    public sealed record DeliveryQuery([FromQuery(Name = "dryRun")] string? DryRun, [FromQuery(Name = "receivedAt")] string? ReceivedAt);

    private static async Task<Results<Ok<ReceiveResult>, ProblemHttpResult, BadRequest<ProblemDetails>, NotFound<ProblemDetails>, UnprocessableEntity<ProblemDetails>>> Receive(
        string number, [AsParameters] DeliveryQuery query, HttpContext http, RequestActor actor, ReceivingService s, CancellationToken ct)
    {
        var (dryRun, receivedAt) = (query.DryRun, query.ReceivedAt);
        var isDryRun = dryRun?.ToUpperInvariant() switch
        {
            null or "" or "FALSE" or "0" => false,
            "TRUE" or "1" => true,
            _ => throw new ValidationException("dryRun", $"dryRun must be true or false, got '{dryRun}'."),
        };
        DateTime? at = receivedAt is null ? null : ReportEndpoints.ParseDate("receivedAt", receivedAt).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        ReceiveRequest request;
        if (http.Request.HasJsonContentType())
        {
            request = await http.Request.ReadFromJsonAsync<ReceiveRequest>(ct)
                ?? throw new ValidationException("body", "Send {\"serials\": \"...\"}.");
            InputGuard.Check(request, "", MaxDeliveryBytes);
        }
        else if (http.Request.HasFormContentType)
        {
            var form = await http.Request.ReadFormAsync(ct);
            if (form.Files.Count != 1)
            {
                throw new ValidationException("file", $"Send exactly one packing-list file in the form; got {form.Files.Count}.");
            }

            request = new ReceiveRequest(await ReadTextAsync(form.Files[0].OpenReadStream(), ct), at, form.Files[0].FileName);
        }
        else
        {
            request = new ReceiveRequest(await ReadTextAsync(http.Request.Body, ct), at);
        }

        request = request with { DryRun = isDryRun || request.DryRun, ReceivedAt = request.ReceivedAt ?? at };
        var result = await s.ReceiveAsync(number, request, actor, ct);
        if (result.Succeeded)
        {
            return TypedResults.Ok(result);
        }

        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The delivery has errors; nothing was received.",
            Detail = DomainExceptionHandler.Shorten($"{result.Errors.Count} error(s). The first: line {result.Errors[0].Line}, {result.Errors[0].Message}"),
            Extensions = { ["errors"] = GpuEndpoints.Shortened(result.Errors), ["dryRun"] = result.DryRun },
        });
    }

    private static async Task<string> ReadTextAsync(Stream body, CancellationToken ct)
    {
        using var reader = new StreamReader(body, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[MaxDeliveryBytes + 1];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await reader.ReadAsync(buffer.AsMemory(read), ct)) > 0)
        {
            read += n;
        }

        if (read > MaxDeliveryBytes)
        {
            throw new ValidationException("file", "A packing list is at most 4 MiB.");
        }

        var text = new string(buffer, 0, read);
        return text.Contains('\0', StringComparison.Ordinal)
            ? throw new ValidationException("file", "This is a binary file, not a packing list (CSV or text, UTF-8).")
            : text;
    }
}
