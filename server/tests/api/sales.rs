//! The sales analyses through the real router: the server function's answers and errors,
//! and the pages rendered on the server with their status codes.

use crate::helpers::*;

#[tokio::test]
async fn server_function_answers_reports_and_rejects_bad_input() {
    let app = spawn_app().await;
    let (status, body) = call(&app, "top-sellers", &[("from", "2016-01-01"), ("to", "2016-01-31")]).await;
    assert_eq!(status, 200, "{body}");
    let rows = &body["data"]["TopSellers"]["rows"];
    assert_eq!(rows[0]["name"], "Shirt");
    assert_eq!(rows[0]["revenue"], "102.00");
    assert_eq!(body["params"]["TopSellers"]["top"], 10);

    let (status, body) = call(&app, "affinity", &[("top", "-1")]).await;
    assert_eq!(status, 400);
    assert_eq!(body["BadParam"]["param"], "top");

    let (status, body) = call(&app, "inventory", &[("from", "2016-03-01"), ("to", "2016-02-01")]).await;
    assert_eq!(status, 400);
    assert!(body["BadParam"]["problem"]["FromAfterTo"].is_object(), "{body}");

    let (status, body) = call(&app, "drop-table", &[]).await;
    assert_eq!(status, 404);
    assert_eq!(body["UnknownAnalysis"], "drop-table");
}

#[tokio::test]
async fn pages_render_on_the_server_with_status_codes() {
    let app = spawn_app().await;
    let get = |path: &str| {
        let url = format!("{}{path}", app.url);
        let client = app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, html) = get("/").await;
    assert_eq!(status, 200);
    // ECharts is fetched by the first chart, not by every page.
    assert!(html.contains("热销商品分析") && !html.contains("/echarts.min.js"));

    let (status, html) = get("/sales/top-sellers?from=2016-01-01&to=2016-01-31").await;
    assert_eq!(status, 200);
    assert!(html.contains("Shirt") && html.contains("$102.00"), "SSR table missing");

    let (status, html) = get("/sales/customers?vip=lots").await;
    assert_eq!(status, 400);
    assert!(html.contains("不是有效金额"));

    let (status, _) = get("/sales/unknown").await;
    assert_eq!(status, 404);
}
