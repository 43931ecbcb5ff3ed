// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// @title TicketBoothFixed
/// @notice Sells event tickets for ether at a price the owner can change. Buyers
///         name the ticket count and the highest unit price they accept, and pay
///         exactly count * price, so a front-run price change makes the purchase
///         revert instead of silently costing more.
contract TicketBoothFixed {
    address payable public immutable owner;
    uint256 public price;
    mapping(address => uint256) public tickets;

    event PriceChanged(uint256 price);
    event Purchased(address indexed buyer, uint256 count, uint256 paid);

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    constructor(uint256 initialPrice) {
        require(initialPrice > 0, "zero price");
        owner = payable(msg.sender);
        price = initialPrice;
    }

    function setPrice(uint256 newPrice) external onlyOwner {
        require(newPrice > 0, "zero price");
        price = newPrice;
        emit PriceChanged(newPrice);
    }

    function buy(uint256 count, uint256 maxPrice) external payable {
        require(count > 0, "zero tickets");
        uint256 unitPrice = price;
        require(unitPrice <= maxPrice, "price above limit");
        require(msg.value == count * unitPrice, "wrong payment");
        tickets[msg.sender] += count;
        emit Purchased(msg.sender, count, msg.value);
    }

    function withdraw() external onlyOwner {
        owner.transfer(address(this).balance);
    }
}
